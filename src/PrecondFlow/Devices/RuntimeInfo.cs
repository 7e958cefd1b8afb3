using TorchSharp;

namespace PrecondFlow.Devices;

/// <summary>Facts about the numerical runtime, for `precondflow info` and for results files.</summary>
/// <param name="PrecondFlowVersion">Version of the PrecondFlow assembly (major.minor.patch).</param>
/// <param name="TorchSharpVersion">Version of the TorchSharp assembly.</param>
/// <param name="LibTorchVersion">Version of the native libtorch, as libtorch reports it.</param>
/// <param name="Device">The device the computations run on, e.g. "cpu" or "cuda:0".</param>
/// <param name="Threads">libtorch's intra-op thread count.</param>
/// <param name="CudaAvailable">Whether CUDA is in use or could be initialised.</param>
/// <param name="CudaStatus">Why CUDA is or is not available, in words.</param>
/// <param name="Os">The operating system's description.</param>
/// <param name="ProcessorCount">Logical processors of the machine.</param>
public sealed record RuntimeInfo(
    string PrecondFlowVersion,
    string TorchSharpVersion,
    string LibTorchVersion,
    string Device,
    int Threads,
    bool CudaAvailable,
    string CudaStatus,
    string Os,
    int ProcessorCount)
{
    /// <summary>Collects the facts for computations on <paramref name="device"/>.</summary>
    /// <param name="device">The device the computations run on; CUDA counts as available when it is in use.</param>
    /// <param name="libTorchFolder">The CUDA libtorch folder that <see cref="DeviceSelection"/> was given, if any: CUDA's
    /// availability is judged with it.</param>
    public static RuntimeInfo Collect(torch.Device device, string? libTorchFolder = null)
    {
        var (cuda, reason) = device.type == DeviceType.CUDA ? (true, "in use") : DeviceSelection.TryCuda(libTorchFolder);
        return new RuntimeInfo(
            typeof(RuntimeInfo).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            torch.__version__,
            device.ToString(),
            torch.get_num_threads(),
            cuda,
            reason,
            System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            Environment.ProcessorCount);
    }
}
