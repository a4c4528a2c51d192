namespace Proxy.Runtime;

/// <summary>The two listeners: voice apps on one port, operators (admin API, metrics, health) on another.</summary>
internal enum ListenerKind
{
    Proxy,
    Admin,
}
