using Microsoft.Extensions.Options;

namespace Proxy.Hosting;

internal static class ProxyHostRunner
{
    /// <summary>
    /// Runs the host; invalid configuration ends it at start with exit code 2 and one line per problem, each naming
    /// its configuration key, instead of a stack trace.
    /// </summary>
    public static int RunProxy(this WebApplication app)
    {
        try
        {
            app.Run();
            return 0;
        }
        catch (Exception ex) when (ConfigurationFailures(ex) is { Count: > 0 } failures)
        {
            Console.Error.WriteLine("The proxy cannot start: its configuration is invalid.");
            foreach (var failure in failures)
            {
                Console.Error.WriteLine("  - " + failure);
            }

            return 2;
        }
    }

    private static List<string> ConfigurationFailures(Exception exception)
    {
        var failures = new List<string>();
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var current))
        {
            switch (current)
            {
                case OptionsValidationException validation:
                    failures.AddRange(validation.Failures);
                    break;
                case AggregateException aggregate:
                    foreach (var inner in aggregate.InnerExceptions)
                    {
                        pending.Push(inner);
                    }

                    break;
            }
        }

        return failures;
    }
}
