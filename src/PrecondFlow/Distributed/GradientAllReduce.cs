using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Distributed;

/// <summary>
/// Averages the gradients of a parameter list over the processes with one all-reduction per step: all gradients are
/// copied into one flat host buffer (reused from step to step), reduced in one call rather than one per parameter, and
/// copied back. A parameter without a gradient contributes zeros, so that every process sends a buffer of the same length.
/// </summary>
internal sealed class GradientAllReduce
{
    private readonly DataParallel parallel;
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly bool singlePrecision;
    private readonly float[] floats;
    private readonly double[] doubles;

    public GradientAllReduce(DataParallel parallel, IReadOnlyList<Parameter> parameters)
    {
        this.parallel = parallel;
        this.parameters = parameters;
        long count = parameters.Sum(p => p.numel());
        singlePrecision = parameters.All(p => p.dtype == ScalarType.Float32);
        floats = singlePrecision ? new float[count] : [];
        doubles = singlePrecision ? [] : new double[count];
    }

    /// <summary>Replaces every gradient by its mean over the processes.</summary>
    public void Reduce()
    {
        var clock = Stopwatch.StartNew();
        using (NewDisposeScope())
        {
            var dtype = singlePrecision ? ScalarType.Float32 : ScalarType.Float64;
            var flat = cat(parameters.Select(p => (p.grad ?? zeros_like(p)).reshape(-1).to(dtype)).ToArray()).cpu();
            Tensor reduced;
            if (singlePrecision)
            {
                flat.data<float>().CopyTo(floats);
                parallel.Communicator.AllReduceMean(floats);
                reduced = tensor(floats);
            }
            else
            {
                flat.data<double>().CopyTo(doubles);
                parallel.Communicator.AllReduceMean(doubles);
                reduced = tensor(doubles);
            }
            long offset = 0;
            foreach (var p in parameters)
            {
                long n = p.numel();
                var grad = p.grad;
                if (grad is not null)
                    grad.copy_(reduced.narrow(0, offset, n).view(grad.shape));
                offset += n;
            }
        }
        parallel.CommunicationSeconds += clock.Elapsed.TotalSeconds;
        parallel.Reductions++;
    }
}
