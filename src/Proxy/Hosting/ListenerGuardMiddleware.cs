using Microsoft.AspNetCore.Connections.Features;
using Proxy.Runtime;

namespace Proxy.Hosting;

/// <summary>Serves an endpoint only on the listener its <see cref="ListenerScope"/> names; elsewhere it does not exist (404).</summary>
internal sealed class ListenerGuardMiddleware
{
    private readonly RequestDelegate _next;

    public ListenerGuardMiddleware(RequestDelegate next)
    {
        _next = next;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var scope = context.GetEndpoint()?.Metadata.GetMetadata<ListenerScope>();
        if (scope is not null && scope.Kind != ListenerOf(context))
        {
            context.SetEndpoint(null);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return _next(context);
    }

    public static ListenerKind? ListenerOf(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(KestrelListenersSetup.ListenerItemKey, out var kind) == true
            ? kind as ListenerKind?
            : null;
}
