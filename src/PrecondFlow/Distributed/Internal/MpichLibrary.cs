using System.Reflection;
using System.Runtime.InteropServices;

namespace PrecondFlow.Distributed.Internal;

/// <summary>
/// Points MPI.NET at MPICH. MPI.NET declares its native calls against Microsoft MPI's "msmpi.dll", whose interface is
/// MPICH's (integer handles, the same constants), so resolving that name to MPICH's shared library is all it takes.
/// Open MPI's library has another interface (pointer handles) and cannot stand in.
/// </summary>
internal static class MpichLibrary
{
    /// <summary>The shared library of MPICH 3.x and 4.x on Linux (Debian's `libmpich12`, pulled in by `mpich`).</summary>
    public const string FileName = "libmpich.so.12";

    private static readonly object gate = new();
    private static IntPtr handle;

    /// <summary>Loads MPICH and routes MPI.NET's calls to it; idempotent.</summary>
    /// <exception cref="InvalidOperationException">MPICH is not installed; the message says what to install.</exception>
    public static void Load()
    {
        lock (gate)
        {
            if (handle != IntPtr.Zero)
                return;
            if (!NativeLibrary.TryLoad(FileName, out var loaded))
                throw new InvalidOperationException(
                    $"MPI was requested but MPICH's library ({FileName}) was not found. Install MPICH: " +
                    "apt-get install -y mpich libmpich-dev (Debian/Ubuntu), then launch with mpiexec -n N.");
            handle = loaded;
            NativeLibrary.SetDllImportResolver(typeof(MPI.Communicator).Assembly, Resolve);
        }
    }

    /// <summary>MPICH's own description of itself ("MPICH Version: 4.0 ..."), first line; empty when unknown.</summary>
    public static string Version()
    {
        var text = new byte[8192];   // MPI_MAX_LIBRARY_VERSION_STRING of MPICH
        if (GetLibraryVersion(text, out int length) != 0)
            return "";
        var version = System.Text.Encoding.ASCII.GetString(text, 0, Math.Clamp(length, 0, text.Length));
        var lines = version.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // MPICH's first line reads "MPICH Version:      4.0".
        return lines.Length == 0 ? "" : string.Join(' ', lines[0].Replace("Version:", "").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) ? handle : IntPtr.Zero;

    [DllImport(FileName, EntryPoint = "MPI_Get_library_version")]
    private static extern int GetLibraryVersion(byte[] version, out int length);
}
