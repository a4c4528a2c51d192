using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Proxy.Tests.TestSupport;

internal sealed class FakeHostEnvironment : IHostEnvironment
{
    public FakeHostEnvironment(string environmentName)
    {
        EnvironmentName = environmentName;
    }

    public string EnvironmentName { get; set; }

    public string ApplicationName { get; set; } = "Proxy";

    public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();

    public static FakeHostEnvironment Development => new(Environments.Development);

    public static FakeHostEnvironment Production => new(Environments.Production);
}
