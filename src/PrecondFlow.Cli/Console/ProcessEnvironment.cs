using PrecondFlow.Data.Images;
using PrecondFlow.Devices;
using static TorchSharp.torch;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// What the command line takes from the process it runs in: environment variables (PRECONDFLOW_LIBTORCH,
/// PRECONDFLOW_DATA_DIR, OMP_NUM_THREADS), the working directory and the application's folder. The library takes all of
/// these as arguments; this is the one place that looks them up.
/// </summary>
internal static class ProcessEnvironment
{
    /// <summary>The CUDA libtorch folder: <paramref name="given"/> (--libtorch) when set, else PRECONDFLOW_LIBTORCH.</summary>
    public static string? LibTorchFolder(string? given) =>
        given ?? (Environment.GetEnvironmentVariable(DeviceSelection.LibTorchVariable) is { Length: > 0 } folder ? folder : null);

    /// <summary>The device named by --device, with the libtorch folder of <see cref="LibTorchFolder"/>.</summary>
    public static Device ResolveDevice(string name, string? libTorch) => DeviceSelection.Resolve(name, LibTorchFolder(libTorch));

    /// <summary>Facts about the runtime on <paramref name="device"/>, for `info` and for results files.</summary>
    public static RuntimeInfo Runtime(Device device, string? libTorch) => RuntimeInfo.Collect(device, LibTorchFolder(libTorch));

    /// <summary>The value of OMP_NUM_THREADS the process was started with (null when unset), for results files.</summary>
    public static string? OmpNumThreads => Environment.GetEnvironmentVariable("OMP_NUM_THREADS");

    /// <summary>
    /// The folders searched for image data set <paramref name="dataset"/>, in order: --data-dir alone when given (an explicit
    /// folder is never silently replaced); else the folder in PRECONDFLOW_DATA_DIR when set, then the standard installations
    /// seen from the working directory and from the application's folder.
    /// </summary>
    public static IReadOnlyList<string> ImageDataLocations(string dataset, string? dataDir)
    {
        if (dataDir is not null)
            return ImageDatasets.FolderLocations(dataset, dataDir);
        var fromEnvironment = Environment.GetEnvironmentVariable(ImageDatasets.DataDirVariable) is { Length: > 0 } folder
            ? ImageDatasets.FolderLocations(dataset, folder)
            : [];
        var standard = ImageDatasets.StandardLocations(dataset, [Directory.GetCurrentDirectory(), AppContext.BaseDirectory]);
        return fromEnvironment.Concat(standard).Distinct(StringComparer.Ordinal).ToArray();
    }
}
