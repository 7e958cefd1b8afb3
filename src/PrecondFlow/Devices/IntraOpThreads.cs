using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PrecondFlow.Devices;

/// <summary>
/// Sets libtorch's intra-op threads without making every small matrix product use all of them. libtorch's
/// set_num_threads also switches MKL's dynamic thread choice off, so that from then on every sgemm, even a 256 × 64 × 64
/// one, wakes all threads; on a small model that wake-up costs more than the product (eight 2-D trainers one after the
/// other ran 0.42× as fast as PyTorch with OpenBLAS at 2 threads, which keeps small products on one thread). This turns
/// MKL's dynamic choice back on where libtorch carries MKL, so that MKL picks fewer threads for small products and all of
/// them for large ones; elsewhere it only sets the threads.
/// </summary>
public static class IntraOpThreads
{
    private delegate void SetDynamic(int flag);

    /// <summary>Sets the intra-op threads to <paramref name="count"/> and lets MKL use fewer for small products.</summary>
    /// <returns>True when MKL was found and its dynamic choice turned on.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public static bool Set(int count)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, "Use at least one intra-op thread.");
        set_num_threads(count);
        return AllowMklDynamicThreads();
    }

    /// <summary>Turns MKL's dynamic choice of threads on, when the loaded libtorch carries MKL.</summary>
    public static bool AllowMklDynamicThreads()
    {
        // libtorch is loaded by the first TorchSharp call (set_num_threads above, or any before); its CPU library is then
        // found by its name among the loaded ones.
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", out var library) &&
            !NativeLibrary.TryLoad("libtorch_cpu.dylib", out library) &&
            !NativeLibrary.TryLoad("torch_cpu.dll", out library))
            return false;
        // MKL's C interface takes the flag by value (its lower-case "mkl_set_dynamic" is the Fortran one, by reference).
        if (!NativeLibrary.TryGetExport(library, "MKL_Set_Dynamic", out var address))
            return false;
        Marshal.GetDelegateForFunctionPointer<SetDynamic>(address)(1);
        return true;
    }
}
