namespace Proxy.Runtime;

/// <summary>Endpoint metadata: the listener an endpoint is served on. Endpoints without it are served on both.</summary>
internal sealed class ListenerScope
{
    public static readonly ListenerScope Proxy = new(ListenerKind.Proxy);
    public static readonly ListenerScope Admin = new(ListenerKind.Admin);

    private ListenerScope(ListenerKind kind)
    {
        Kind = kind;
    }

    public ListenerKind Kind { get; }
}
