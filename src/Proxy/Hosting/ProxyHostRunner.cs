using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Proxy.Hosting;

internal static class ProxyHostRunner
{
    /// <summary>
    /// Builds and runs the host, <paramref name="configure"/> setting up its pipeline; invalid configuration ends it at
    /// start with exit code 2 and one line per problem, each naming its configuration key, instead of a stack trace.
    /// </summary>
    public static int RunProxy(this WebApplicationBuilder builder, Action<WebApplication> configure)
    {
        EndpointsOptions? endpoints = null;
        var started = false;
        try
        {
            var app = builder.Build();

            // Every option is validated before anything else reads one: setting up the pipeline resolves services that
            // read options in their constructors (one bad section would hide the others), and a failed start inside
            // the host is logged with a stack trace before the report could say which keys are wrong.
            app.Services.GetService<IStartupValidator>()?.Validate();
            endpoints = app.Services.GetRequiredService<IOptions<EndpointsOptions>>().Value;
            configure(app);
            app.Lifetime.ApplicationStarted.Register(() => started = true);
            app.Run();
            return 0;
        }
        catch (Exception ex) when (ConfigurationFailures(ex) is { Count: > 0 } failures)
        {
            return Report(failures);
        }
        catch (Exception ex) when (ex is IOException or SocketException && !started && endpoints is not null
            && ListenerBindCheck.Failures(endpoints) is { Count: > 0 } failures)
        {
            return Report(failures);
        }
    }

    private static int Report(List<string> failures)
    {
        Console.Error.WriteLine("The proxy cannot start: its configuration is invalid.");
        foreach (var failure in failures)
        {
            Console.Error.WriteLine("  - " + failure);
        }

        return 2;
    }

    private static List<string> ConfigurationFailures(Exception exception)
    {
        var failures = new List<string>();
        var pending = new Queue<Exception>([exception]);
        while (pending.TryDequeue(out var current))
        {
            switch (current)
            {
                case OptionsValidationException validation:
                    failures.AddRange(validation.Failures);
                    break;
                case AggregateException aggregate:
                    foreach (var inner in aggregate.InnerExceptions)
                    {
                        pending.Enqueue(inner);
                    }

                    break;
            }
        }

        return failures;
    }
}
