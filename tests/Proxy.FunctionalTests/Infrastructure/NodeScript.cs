using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>Runs one of the tests/sdk-e2e scripts (real Deepgram JS SDK, browser-style client) and reads its JSON line.</summary>
internal static class NodeScript
{
    public static async Task<(int ExitCode, JsonElement Result, string Output)> RunAsync(string script, IDictionary<string, string?> environment, TimeSpan timeout)
    {
        if (!Directory.Exists(Path.Combine(RepositoryPaths.SdkE2eDirectory, "node_modules", "@deepgram", "sdk")))
        {
            throw new InvalidOperationException(
                "tests/sdk-e2e has no node_modules: run `npm ci` there first (deploy/local/test.sh does).");
        }

        await using var process = ChildProcess.Start(script, "node", [script], environment, RepositoryPaths.SdkE2eDirectory);
        int exitCode;
        try
        {
            exitCode = await process.WaitForExitAsync(timeout);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{script} did not finish within {timeout}. Output:\n{string.Join('\n', process.Output)}");
        }

        // Output events may trail the exit by a moment.
        await Task.Delay(50);
        var output = string.Join('\n', process.Output);
        var jsonLine = process.Output.LastOrDefault(l => l.TrimStart().StartsWith('{'))
            ?? throw new InvalidOperationException($"{script} printed no JSON line. Output:\n{output}");
        return (exitCode, JsonDocument.Parse(jsonLine).RootElement.Clone(), output);
    }
}
