using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PrecondFlow.Devices;

/// <summary>
/// Back-propagation that keeps CPU convolutions off libtorch's oneDNN (MKLDNN) kernels. In the libtorch that TorchSharp
/// 0.107 ships, oneDNN's backward pass of a 2-D convolution returns wrong input gradients now and then (measured on an
/// AVX2 CPU): on two threads a 3×3 convolution of a (32, 2, 28, 28) batch gave the correct gradient in 18 to 20 of 40
/// repeats and gradients off by up to 0.27, or NaN, in the others; a 16→1-channel convolution of a (128, 16, 28, 28)
/// batch gave NaN in 7 of 20; and one thread is not immune (one NaN in 40). libtorch picks oneDNN for any batch of more than one image, so a convolutional network trained on the CPU
/// could turn NaN at random and could not be repeated. libtorch's own kernels are exact and deterministic, but slower:
/// the default UNet's backward pass took about 14 s on them against 2.5 s on oneDNN (2 threads, batch 64). So oneDNN
/// stays on for forward passes and is switched off for the backward pass unless every convolution of the network passes
/// <see cref="OneDnnBackwardCheck"/> (all failures measured were on partial blocks of 16 output channels; the
/// networks' few-channel output layers run padded to a block, <see cref="ChannelPaddedConvolution"/>), except for networks with a convolution shape whose oneDNN forward pass is wrong on the machine too (e.g. 3×3 with 24
/// input channels on an AVX2 CPU): those run their forward pass without it (<see cref="OneDnnForwardCheck"/>). A transposed convolution's forward pass runs the same
/// faulty kernels as the backward pass: PrecondFlow's networks upsample with nearest-neighbour interpolation and a
/// convolution instead. Matrix products (Linear layers) never use oneDNN in float32:
/// vector fields made of them get the same numbers either way.
/// </summary>
public static class CpuConvolutions
{
    private static readonly Lazy<OneDnnSwitch?> oneDnn = new(OneDnnSwitch.TryResolve);
    private static readonly object gate = new();
    private static int holders;

    /// <summary>Whether libtorch's oneDNN switch could be reached: false for a libtorch without the exported symbols,
    /// or on a platform whose C++ names are mangled differently (Windows), where <see cref="Backward"/> cannot help.</summary>
    public static bool CanSwitchOneDnn => oneDnn.Value is not null;

    /// <summary>
    /// Runs <paramref name="body"/> while oneDNN is on and no thread can switch it off; null, without running it, when
    /// oneDNN is off now (a handle of <see cref="WithoutOneDnn"/> is held, or the user switched it off) or cannot be reached.
    /// </summary>
    internal static T? WhileOneDnnOn<T>(Func<T> body) where T : struct
    {
        lock (gate)
            return oneDnn.Value is { IsOn: true } ? body() : null;
    }

    /// <summary>
    /// <c>loss.backward()</c> with oneDNN switched off for its duration (see the class remarks), then switched back to what
    /// it was. The one training loop of PrecondFlow back-propagates through this; a user's own loop over convolutional
    /// networks should too. Safe to call from several threads: oneDNN is off while any of them is back-propagating.
    /// </summary>
    /// <param name="loss">A scalar loss.</param>
    public static void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        using (WithoutOneDnn())
            loss.backward();
    }

    /// <summary>
    /// Switches oneDNN off until the returned handle is disposed, then back to what it was: libtorch's own convolution
    /// kernels run meanwhile. Safe from several threads: oneDNN stays off while any of them holds a handle. Where the
    /// switch cannot be reached (<see cref="CanSwitchOneDnn"/> false) the handle does nothing.
    /// </summary>
    public static IDisposable WithoutOneDnn()
    {
        var oneDnnSwitch = oneDnn.Value;
        if (oneDnnSwitch is null)
            return NoSwitch.Instance;
        lock (gate)
        {
            if (holders == 0)
                oneDnnSwitch.WasOn = oneDnnSwitch.IsOn;
            if (oneDnnSwitch.WasOn)
                oneDnnSwitch.Set(false);
            holders++;
        }
        return new Release(oneDnnSwitch);
    }

    private sealed class Release(OneDnnSwitch oneDnnSwitch) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 1)
                return;
            lock (gate)
            {
                if (--holders == 0 && oneDnnSwitch.WasOn)
                    oneDnnSwitch.Set(true);
            }
        }
    }

    private sealed class NoSwitch : IDisposable
    {
        public static readonly NoSwitch Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>at::globalContext().userEnabledMkldnn() and its setter, reached through their exported C++ names.</summary>
    private sealed class OneDnnSwitch(IntPtr context, OneDnnSwitch.GetFlag get, OneDnnSwitch.SetFlag set)
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr GlobalContext();

        // Member functions: `this` comes first.
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate byte GetFlag(IntPtr context);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void SetFlag(IntPtr context, byte on);

        /// <summary>The state before the first of the running backward passes switched it off.</summary>
        public bool WasOn { get; set; }

        public bool IsOn => get(context) != 0;

        public void Set(bool on) => set(context, on ? (byte)1 : (byte)0);

        public static OneDnnSwitch? TryResolve()
        {
            _ = get_num_threads(); // makes TorchSharp load libtorch, so the library found below is the one in use
            if (!TryLoadLibTorchCpu(out var library)
                || !NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext)
                || !NativeLibrary.TryGetExport(library, "_ZNK2at7Context17userEnabledMkldnnEv", out var get)
                || !NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledMkldnnEb", out var set))
                return null;
            return new OneDnnSwitch(Marshal.GetDelegateForFunctionPointer<GlobalContext>(globalContext)(),
                Marshal.GetDelegateForFunctionPointer<GetFlag>(get), Marshal.GetDelegateForFunctionPointer<SetFlag>(set));
        }

        private static bool TryLoadLibTorchCpu(out IntPtr library)
        {
            // A plain name finds the copy already loaded (the bundled one, or a CUDA build's preloaded by DeviceSelection).
            foreach (var name in new[] { "libtorch_cpu.so", "libtorch_cpu.dylib" })
                if (NativeLibrary.TryLoad(name, out library))
                    return true;
            return NativeLibrary.TryLoad("libtorch_cpu", typeof(TorchSharp.torch).Assembly, null, out library);
        }
    }
}
