using Proxy.Metering;
using Proxy.Storage;

namespace Proxy.Billing;

/// <summary>
/// The one place a final record is priced, for live, reaped and replayed sessions alike: by the version of the
/// session's plan in force when it opened (the upstream's open; the client's when it had none), through
/// <see cref="SessionRater"/>, with the outcome indicators the record carries (posted during the call or on the
/// reaper's estimate: their fees are part of the price). A session whose plan is unknown is stored unrated, and said
/// so in the log.
/// </summary>
internal sealed partial class RecordRater : IFinalRecordRater
{
    private readonly IPlanVersions _plans;
    private readonly ILogger<RecordRater> _logger;

    public RecordRater(IPlanVersions plans, ILogger<RecordRater> logger)
    {
        _plans = plans;
        _logger = logger;
    }

    public async ValueTask<SessionRecord> RateAsync(SessionRecord record)
    {
        if (record.PlanId is not { Length: > 0 } planId)
        {
            return record;
        }

        var openedAtMs = record.UpstreamOpenedAtMs ?? record.ClientOpenedAtMs;
        var plan = await _plans.InForceAsync(planId, openedAtMs).ConfigureAwait(false);
        if (plan is null)
        {
            Unrated(_logger, record.SessionId, record.CustomerId, planId, openedAtMs);
            return record;
        }

        Rating rating;
        try
        {
            rating = SessionRater.Rate(plan, InputOf(record));
        }
        catch (RatingOverflowException ex)
        {
            // Plan validation keeps rates within Int64 for a day of rated time; a longer session must still be
            // stored (the record is the billing truth), only its price cannot be computed.
            Overflowed(_logger, record.SessionId, record.CustomerId, planId, plan.Version, ex.Message);
            return record;
        }

        return record with
        {
            PlanVersion = rating.PlanVersion,
            RatedMs = rating.RatedMs,
            CostMicros = rating.CostMicros,
            Currency = rating.Currency,
            Indicators = WithFees(record.Indicators, rating.IndicatorFees),
            CostParts = new CostBreakdown
            {
                PerSessionMicros = rating.PerSessionMicros,
                BaseMicros = rating.BaseMicros,
                Surcharges = SurchargesByModel(rating.Surcharges),
                IndicatorFees = rating.IndicatorFees,
            },
        };
    }

    internal static RatingInput InputOf(SessionRecord record) => new(
        record.UpstreamOpenedAtMs is null ? null : record.DurationMs ?? 0,
        record.ListenModel,
        record.ThinkModel,
        record.SpeakModel,
        record.Indicators is { } indicators ? [.. indicators.Keys.Order(StringComparer.Ordinal)] : []);

    /// <summary>Each indicator with the fee this rating gave it (0 for a name the plan does not price, or a session
    /// without an upstream session); value and instant as posted.</summary>
    private static Dictionary<string, IndicatorOutcome>? WithFees(IReadOnlyDictionary<string, IndicatorOutcome>? indicators, IReadOnlyDictionary<string, long> fees) =>
        indicators?.ToDictionary(i => i.Key, i => i.Value with { FeeMicros = fees.GetValueOrDefault(i.Key) }, StringComparer.Ordinal);

    // A plan may list a model twice for a component (validation allows it, the rater charges both rates): the record
    // keeps one surcharge per component and model, their sum. It cannot overflow: surcharges are parts of the cost.
    private static Dictionary<string, long> SurchargesByModel(IReadOnlyList<ModelSurcharge> surcharges)
    {
        var byModel = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var surcharge in surcharges)
        {
            var name = $"{ComponentName(surcharge.Component)}:{surcharge.Model}";
            byModel[name] = checked(byModel.GetValueOrDefault(name) + surcharge.Micros);
        }

        return byModel;
    }

    internal static string ComponentName(ModelComponent component) => component switch
    {
        ModelComponent.Listen => "listen",
        ModelComponent.Think => "think",
        _ => "speak",
    };

    [LoggerMessage(EventId = 7000, Level = LogLevel.Warning, Message = "Session {SessionId} of {CustomerId} is stored unrated: plan {PlanId} had no version in force at {OpenedAtMs} (Unix ms)")]
    private static partial void Unrated(ILogger logger, string sessionId, string customerId, string planId, long openedAtMs);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "Session {SessionId} of {CustomerId} is stored unrated: its price under plan {PlanId} version {PlanVersion} overflows ({Reason})")]
    private static partial void Overflowed(ILogger logger, string sessionId, string customerId, string planId, int planVersion, string reason);
}
