namespace Proxy.Customers;

/// <summary>
/// The upstream base URLs a customer may be pinned to: <c>Upstream:Url</c> and <c>Upstream:AllowedUrls</c>. Without
/// it an admin token could point a customer's sessions, with the customer's Deepgram key in their headers, at any
/// host: the gateway would be an open relay. Checked when a pin is set and again when a session dials it, so
/// taking a URL off the list stops its sessions even for customers pinned to it before.
/// </summary>
internal sealed class UpstreamUrlAllowList
{
    private readonly HashSet<string> _allowed = new(StringComparer.Ordinal);

    /// <param name="defaultUrl"><c>Upstream:Url</c>, always allowed.</param>
    /// <param name="allowedUrls"><c>Upstream:AllowedUrls</c> (validated at start; an entry that is no URL allows nothing).</param>
    public UpstreamUrlAllowList(string defaultUrl, IEnumerable<string> allowedUrls)
    {
        Default = PinnedUpstreamUrl.TryNormalize(defaultUrl, allowHttp: true, out var normal) ? normal : new PinnedUpstreamUrl(defaultUrl);
        _allowed.Add(Default.Url);
        foreach (var url in allowedUrls)
        {
            if (PinnedUpstreamUrl.TryNormalize(url, allowHttp: true, out var entry))
            {
                _allowed.Add(entry.Url);
            }
        }
    }

    /// <summary><c>Upstream:Url</c> in its normal form: where unpinned customers go.</summary>
    public PinnedUpstreamUrl Default { get; }

    public bool Allows(PinnedUpstreamUrl url) => _allowed.Contains(url.Url);

    /// <summary>The list, for an admin's error message.</summary>
    public string Describe() => string.Join(", ", _allowed.Order(StringComparer.Ordinal));
}
