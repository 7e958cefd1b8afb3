using TorchSharp;

namespace PrecondFlow.Devices;

/// <summary>Facts about the numerical runtime, for `precondflow info` and for results files.</summary>
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
