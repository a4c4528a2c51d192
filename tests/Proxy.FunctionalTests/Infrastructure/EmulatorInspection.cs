using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>What the tests ask a running emulator about its connections.</summary>
internal static class EmulatorInspection
{
    public static async Task<int> ConnectionCountAsync(this EmulatorServer emulator)
    {
        var connections = await emulator.Api.GetFromJsonAsync<JsonElement>("/emulator/v1/connections").ConfigureAwait(false);
        return connections.GetArrayLength();
    }

    /// <summary>The emulator's record of a connection, once it is closed.</summary>
    public static async Task<JsonElement> WaitForClosedConnectionAsync(this EmulatorServer emulator, string requestId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await emulator.Api.GetAsync(new Uri($"/emulator/v1/connections/{requestId}", UriKind.Relative)).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var connection = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
                if (connection.GetProperty("state").GetString() == "closed")
                {
                    return connection;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The emulator's connection {requestId} did not close.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
