using System.Text.Json.Serialization;

namespace Proxy.Admin;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(CustomerUpsertBody))]
[JsonSerializable(typeof(IssueKeyBody))]
[JsonSerializable(typeof(UpstreamKeyBody))]
[JsonSerializable(typeof(CustomerView))]
[JsonSerializable(typeof(UpstreamKeyProvisioned))]
[JsonSerializable(typeof(CustomerList))]
[JsonSerializable(typeof(CustomerDeleted))]
[JsonSerializable(typeof(KeyView))]
[JsonSerializable(typeof(KeyList))]
[JsonSerializable(typeof(IssuedKeyView))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(Metering.SessionRecord))]
[JsonSerializable(typeof(InstanceInfo))]
[JsonSerializable(typeof(CustomerSettingsView))]
[JsonSerializable(typeof(LiveSessionList))]
[JsonSerializable(typeof(CloseAccepted))]
[JsonSerializable(typeof(Billing.PlanDocument))]
[JsonSerializable(typeof(Billing.PlanVersionList))]
[JsonSerializable(typeof(Billing.UsageReport))]
[JsonSerializable(typeof(IndicatorView))]
[JsonSerializable(typeof(Customers.UpstreamKeyReEncryptionResult))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
