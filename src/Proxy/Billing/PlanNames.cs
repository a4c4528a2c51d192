namespace Proxy.Billing;

/// <summary>The JSON names of the plan enums, in one place (the admin API's and the stored versions' spelling).</summary>
internal static class PlanNames
{
    public const string Roundings = "exact_ms, ceil_second or ceil_minute";
    public const string Components = "listen, think or speak";

    public static string Of(RatingRounding rounding) => rounding switch
    {
        RatingRounding.ExactMs => "exact_ms",
        RatingRounding.CeilSecond => "ceil_second",
        RatingRounding.CeilMinute => "ceil_minute",
        _ => throw new ArgumentOutOfRangeException(nameof(rounding), rounding, null),
    };

    public static string Of(ModelComponent component) => component switch
    {
        ModelComponent.Listen => "listen",
        ModelComponent.Think => "think",
        ModelComponent.Speak => "speak",
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, null),
    };

    public static RatingRounding? Rounding(string name) => name switch
    {
        "exact_ms" => RatingRounding.ExactMs,
        "ceil_second" => RatingRounding.CeilSecond,
        "ceil_minute" => RatingRounding.CeilMinute,
        _ => null,
    };

    public static ModelComponent? Component(string name) => name switch
    {
        "listen" => ModelComponent.Listen,
        "think" => ModelComponent.Think,
        "speak" => ModelComponent.Speak,
        _ => null,
    };
}
