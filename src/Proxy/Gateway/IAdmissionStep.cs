namespace Proxy.Gateway;

/// <summary>One check of the admission pipeline (<see cref="AdmissionPipeline"/>). A step reads what earlier steps
/// found on the <see cref="AdmissionRequest"/>, adds its own, and either lets the client on (null) or refuses it.
/// Nothing has been sent upstream when a step refuses.</summary>
internal interface IAdmissionStep
{
    ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request);
}
