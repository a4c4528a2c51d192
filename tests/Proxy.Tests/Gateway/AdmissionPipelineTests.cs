using Proxy.Gateway;
using Proxy.Sessions;

namespace Proxy.Tests.Gateway;

public sealed class AdmissionPipelineTests
{
    private readonly List<string> _ran = [];

    [Fact]
    public async Task Steps_run_in_order_and_the_first_refusal_ends_admission()
    {
        var refusal = new AdmissionRefusal(401, "invalid_key", "no");
        var pipeline = new AdmissionPipeline([Step("a"), Step("b", refusal), Step("c")]);

        Assert.Same(refusal, await pipeline.RunAsync(AdmissionRequests.Upgrade()));
        Assert.Equal(["a", "b"], _ran);
    }

    [Fact]
    public async Task A_request_every_step_lets_on_is_admitted()
    {
        var pipeline = new AdmissionPipeline([Step("a"), Step("b")]);
        Assert.Null(await pipeline.RunAsync(AdmissionRequests.Upgrade()));
        Assert.Equal(["a", "b"], _ran);
    }

    [Fact]
    public async Task A_place_taken_by_one_step_is_given_back_when_a_later_step_refuses_or_throws()
    {
        var registry = new SessionRegistry();
        var takePlace = new DelegateStep(r =>
        {
            r.Slot = registry.TryReserve(1);
            return null;
        });

        var refused = await new AdmissionPipeline([takePlace, Step("refuse", new AdmissionRefusal(429, "concurrency_limit", "busy"))]).RunAsync(AdmissionRequests.Upgrade());
        Assert.NotNull(refused);
        using (var slot = registry.TryReserve(1))
        {
            Assert.NotNull(slot);
        }

        var throwing = new AdmissionPipeline([takePlace, new DelegateStep(_ => throw new InvalidOperationException("bug"))]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => throwing.RunAsync(AdmissionRequests.Upgrade()).AsTask());
        using (var slot = registry.TryReserve(1))
        {
            Assert.NotNull(slot);
        }
    }

    private DelegateStep Step(string name, AdmissionRefusal? refusal = null) => new(_ =>
    {
        _ran.Add(name);
        return refusal;
    });

    private sealed class DelegateStep(Func<AdmissionRequest, AdmissionRefusal?> run) : IAdmissionStep
    {
        public ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request) => ValueTask.FromResult(run(request));
    }
}
