using PrecondFlow.Fields;
using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies.Internal;

/// <summary>
/// Sizes the compute-matched baselines of a preconditioned arm from counts alone (no clocks, so two runs agree): P's
/// training costs Σ steps × batch × parameters over its trained members (RealNVP, flow) in FLOP-equivalents, and one
/// main-flow step costs batch × parameters.
/// </summary>
internal static class ComputeMatching
{
    /// <summary>The gradient steps and FLOP-equivalents of P's training; 0 for closed-form maps.</summary>
    /// <param name="preconditioner">The arm's preconditioner (fitted or not: only its sizes are read).</param>
    /// <param name="trainingPoints">Points P is fitted on (RealNVP's epochs count batches of them).</param>
    public static (long Steps, double Flops) PreconditionerCost(IPreconditioner preconditioner, long trainingPoints)
    {
        var members = preconditioner is PreconditionerChain chain ? chain.Members : [preconditioner];
        long steps = 0;
        double flops = 0;
        foreach (var member in members)
        {
            (long s, long batch) = member switch
            {
                RealNvp r => (r.Options.Epochs > 0
                        ? r.Options.Epochs * Math.Max(1, trainingPoints / Math.Min(r.Options.BatchSize, trainingPoints))
                        : r.Options.Steps,
                    Math.Min(r.Options.BatchSize, trainingPoints)),
                FlowPreconditioner f => (f.Options.Steps, f.Options.BatchSize),
                _ => (0L, 0L),
            };
            steps += s;
            flops += (double)s * batch * member.ParameterCount;
        }
        return (steps, flops);
    }

    /// <summary>Parameters of the main flow's network for <paramref name="config"/> (built once, counted, disposed).</summary>
    public static long Parameters(FieldConfig config)
    {
        using var generator = new Generator(0);
        using var field = VectorFields.Create(config, generator);
        return VectorFields.ParameterCount(field);
    }

    /// <summary>The smallest common width w of <paramref name="config"/>'s hidden layers (same depth) whose network has at
    /// least <paramref name="target"/> parameters, found by bisection on the exact count.</summary>
    public static (int[] Hidden, long Parameters) Wider(FieldConfig config, long target)
    {
        int depth = config.HiddenWidths.Length;
        FieldConfig With(int w) => config with { Hidden = Enumerable.Repeat(w, depth).ToArray() };
        int low = config.HiddenWidths.Max(), high = low;
        while (Parameters(With(high)) < target)
            high *= 2;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (Parameters(With(middle)) >= target)
                high = middle;
            else
                low = middle + 1;
        }
        return (With(high).HiddenWidths, Parameters(With(high)));
    }
}
