using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Devices;

/// <summary>
/// Chooses the compute device. The CPU build of libtorch ships with PrecondFlow; CUDA uses the libtorch of an
/// existing installation (for example a PyTorch install: the folder <c>torch/lib</c> of its site-packages), passed as
/// an explicit folder (the command line takes it from <c>--libtorch</c> or <see cref="LibTorchVariable"/>). That folder's
/// libraries are loaded before TorchSharp initialises, so they take the place of the bundled CPU ones.
/// </summary>
public static class DeviceSelection
{
    /// <summary>Environment variable in which the command line looks for a folder with a CUDA-enabled libtorch
    /// (libtorch_cuda.so and friends).</summary>
    public const string LibTorchVariable = "PRECONDFLOW_LIBTORCH";

    /// <summary>The device names <see cref="Resolve"/> accepts: "auto", "cpu", "cuda".</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "auto", "cpu", "cuda" };

    // Load order matters: each library's dependencies first.
    private static readonly string[] CudaLibraries = { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" };

    private static string? preloadedFrom;

    /// <summary>
    /// Resolves "auto", "cpu" or "cuda" to a device. "auto" picks CUDA when it can be initialised, else the CPU;
    /// "cuda" throws with the reason when it cannot.
    /// </summary>
    /// <param name="name">Device name as given by the user.</param>
    /// <param name="libTorchFolder">Folder of a CUDA libtorch; null when there is none.</param>
    public static Device Resolve(string name, string? libTorchFolder = null)
    {
        switch (name)
        {
            case "cpu":
                return CPU;
            case "cuda":
                var (ok, reason) = TryCuda(libTorchFolder);
                if (!ok)
                    throw new InvalidOperationException($"CUDA was requested but is not available: {reason}");
                return CUDA;
            case "auto":
                return TryCuda(libTorchFolder).Available ? CUDA : CPU;
            default:
                throw new ArgumentException($"Unknown device '{name}'. Use one of: {string.Join(", ", Names)}.", nameof(name));
        }
    }

    /// <summary>Whether CUDA can be used, and if not, why not (in words a user can act on).</summary>
    public static (bool Available, string Reason) TryCuda(string? libTorchFolder = null)
    {
        var folder = libTorchFolder;
        if (string.IsNullOrWhiteSpace(folder))
            return (false, "this build bundles the CPU libtorch only; set " + LibTorchVariable +
                " to the lib folder of a CUDA libtorch (e.g. the torch/lib folder of a PyTorch install) to use a GPU.");
        if (!Directory.Exists(folder))
            return (false, $"{LibTorchVariable} names '{folder}', which does not exist.");
        if (!File.Exists(Path.Combine(folder, "libtorch_cuda.so")))
            return (false, $"'{folder}' holds no libtorch_cuda.so: it is not a CUDA build of libtorch.");
        try
        {
            Preload(folder);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            return (false, $"the libtorch in '{folder}' could not be loaded: {e.Message}");
        }
        try
        {
            return torch.cuda.is_available()
                ? (true, "available")
                : (false, $"libtorch from '{folder}' loaded, but it found no usable GPU (driver missing or no device).");
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or DllNotFoundException)
        {
            return (false, $"TorchSharp could not initialise CUDA with the libtorch in '{folder}': {FirstLine(e.Message)}");
        }
    }

    private static void Preload(string folder)
    {
        if (preloadedFrom == folder)
            return;
        if (preloadedFrom is not null)
            throw new InvalidOperationException($"a libtorch was already loaded from '{preloadedFrom}'.");
        foreach (var library in CudaLibraries)
        {
            var path = Path.Combine(folder, library);
            if (File.Exists(path))
                NativeLibrary.Load(path);
        }
        preloadedFrom = folder;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0];
}
