using System.Runtime.InteropServices;

namespace PrecondFlow.Devices;

/// <summary>
/// Runs the steps of a small model on the calling thread alone. libtorch hands every MKL call (sgemm, and vector maths
/// such as the square roots of AdamW) to all intra-op threads, with MKL's own choice of threads switched off, and splits
/// some element-wise operations (those on MKL's vector maths) into pieces of 2 048 elements; for a small model waking the
/// other threads costs more than it saves. Measured on a 2-core CPU with idle threads sleeping (OMP_WAIT_POLICY=PASSIVE):
/// a 256 × 64 × 64 product took 31 µs on one thread and 55 µs on two, a square root of 4 096 floats 4 µs against 34 µs;
/// at 1 024 × 64 × 64 the two were equal, and from 512 × 128 × 128 on two threads won (165 against 212 µs). Inside a
/// scope the calling thread's OpenMP and MKL thread counts are 1 (both settings belong to the calling thread only: other
/// threads, and this one after the scope, keep theirs); elsewhere (a libtorch without OpenMP or MKL) nothing changes.
/// </summary>
public static class SmallWorkThreads
{
    /// <summary>Largest matrix product (multiply-adds) that runs faster on one thread than on two: 4 M.</summary>
    public const long OneThreadUpTo = 1L << 22;

    private delegate int GetThreads();

    private delegate void SetThreads(int count);

    private delegate int SetLocalThreads(int count);

    private sealed record Native(GetThreads OmpGet, SetThreads OmpSet, SetLocalThreads? MklSetLocal);

    private static readonly Lazy<Native?> Functions = new(Find);

    /// <summary>Gives the calling thread back its thread counts when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly int ompThreads;
        private readonly int mklThreads;

        internal Scope(int ompThreads, int mklThreads)
        {
            this.ompThreads = ompThreads;
            this.mklThreads = mklThreads;
            IsActive = true;
        }

        /// <summary>Whether this scope holds the calling thread to one thread.</summary>
        public bool IsActive { get; }

        /// <summary>Restores the calling thread's OpenMP and MKL thread counts.</summary>
        public void Dispose()
        {
            if (!IsActive || Functions.Value is not { } native)
                return;
            native.OmpSet(ompThreads);
            native.MklSetLocal?.Invoke(mklThreads);
        }
    }

    /// <summary>
    /// One thread for the calling thread's libtorch work until the scope ends, when the largest matrix product of the work
    /// ahead has at most <see cref="OneThreadUpTo"/> multiply-adds; otherwise (or without OpenMP) a scope that changes nothing.
    /// </summary>
    /// <param name="largestProduct">Multiply-adds of the largest matrix product the work does (rows × inputs × outputs).</param>
    public static Scope ForLargestProduct(long largestProduct)
    {
        if (largestProduct > OneThreadUpTo || Functions.Value is not { } native)
            return default;
        int omp = native.OmpGet();
        native.OmpSet(1);
        int mkl = native.MklSetLocal?.Invoke(1) ?? 0;
        return new Scope(omp, mkl);
    }

    /// <summary>
    /// The multiply-adds of the largest matrix product of a network made of matrices only (weights of at most two
    /// dimensions) applied to <paramref name="rows"/> rows, or null when it holds a convolution (its products are not
    /// bounded by its matrices).
    /// </summary>
    public static long? LargestProduct(TorchSharp.torch.nn.Module network, long rows)
    {
        long largest = 0;
        foreach (var parameter in network.parameters())
        {
            if (parameter.dim() > 2)
                return null;
            if (parameter.dim() == 2)
                largest = Math.Max(largest, parameter.shape[0] * parameter.shape[1]);
        }
        return largest * rows;
    }

    private static Native? Find()
    {
        // libtorch is loaded by then; its CPU library is found by name among the loaded ones, and a symbol lookup through it
        // also searches the libraries it depends on (its OpenMP runtime). MKL's C interface takes the count by value and
        // returns the calling thread's previous setting (0: the global one).
        foreach (var name in new[] { "libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll" })
        {
            if (!NativeLibrary.TryLoad(name, out var library))
                continue;
            if (!NativeLibrary.TryGetExport(library, "omp_get_max_threads", out var get) ||
                !NativeLibrary.TryGetExport(library, "omp_set_num_threads", out var set))
                return null;
            var mkl = NativeLibrary.TryGetExport(library, "MKL_Set_Num_Threads_Local", out var local)
                ? Marshal.GetDelegateForFunctionPointer<SetLocalThreads>(local)
                : null;
            return new Native(Marshal.GetDelegateForFunctionPointer<GetThreads>(get),
                Marshal.GetDelegateForFunctionPointer<SetThreads>(set), mkl);
        }
        return null;
    }
}
