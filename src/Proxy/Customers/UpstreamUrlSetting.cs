using System.Text.Json;
using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>A pinned upstream base URL (<see cref="PinnedUpstreamUrl"/>): a JSON string in the admin API, the normal
/// form in Redis. Whether the gateway may dial it is the allowlist's call (<see cref="UpstreamUrlAllowList"/>), which
/// the configuration decides, not the setting.</summary>
internal sealed class UpstreamUrlSetting : CustomerSetting<PinnedUpstreamUrl>
{
    public UpstreamUrlSetting(string name, string configKey)
        : base(name, configKey)
    {
    }

    protected override string Expected => "an absolute ws:// or wss:// URL without user info, query or fragment, such as \"wss://api.eu.deepgram.com\"";

    public override string? Violation(PinnedUpstreamUrl value) => null;

    public override JsonNode ToJson(PinnedUpstreamUrl value) => JsonValue.Create(value.Url);

    protected override string Format(PinnedUpstreamUrl value) => value.Url;

    protected override bool TryParseStored(string text, out PinnedUpstreamUrl value) => PinnedUpstreamUrl.TryNormalize(text, allowHttp: false, out value);

    protected override bool TryReadJson(JsonElement json, out PinnedUpstreamUrl value)
    {
        value = default;
        return json.ValueKind == JsonValueKind.String && PinnedUpstreamUrl.TryNormalize(json.GetString()!, allowHttp: false, out value);
    }
}
