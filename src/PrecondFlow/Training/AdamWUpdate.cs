using PrecondFlow.Devices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// One step of a TorchSharp <see cref="AdamW"/>, operation for operation as its own <c>step()</c> (TorchSharp 0.107) and on
/// its own state (step count and moments, so that <c>save_state_dict</c>, <c>load_state_dict</c> and checkpoints see
/// every step), with its number operands held in <see cref="ScalarOperands"/> freed at the end of the step.
/// TorchSharp's own step leaves 8 finalizer-freed Scalars per parameter and step behind, which fragment the native heap
/// (see <see cref="ScalarOperands"/>). For each parameter p with gradient g, step count s:
/// p ← p·(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − lr/(1 − β₁ˢ) · m / (√v / √(1 − β₂ˢ) + ε).
/// </summary>
internal static class AdamWUpdate
{
    /// <summary>Steps every parameter of <paramref name="optimizer"/> that has a gradient.</summary>
    /// <exception cref="NotSupportedException">A parameter group uses amsgrad or maximize (the library never does).</exception>
    public static void Step(AdamW optimizer)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var scalars = new ScalarOperands();
        var states = optimizer.state_dict().State;
        int stateIndex = 0;
        foreach (var group in optimizer.ParamGroups)
        {
            var paramGroup = (ParamGroup)group;
            var options = (AdamW.Options)paramGroup.Options;
            if (options.amsgrad == true || options.maximize == true)
                throw new NotSupportedException("AdamWUpdate runs plain AdamW only (no amsgrad, no maximize).");
            double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, eps = options.eps!.Value;
            double rate = options.LearningRate!.Value, weightDecay = options.weight_decay!.Value;
            var decay = scalars.Of(1 - rate * weightDecay);
            var beta1Scalar = scalars.Of(beta1);
            var beta2Scalar = scalars.Of(beta2);
            var gradientShare = scalars.Of(1 - beta1);
            var squareShare = scalars.Of(1 - beta2);
            var epsilon = scalars.Of(eps);
            foreach (var parameter in paramGroup.Parameters)
            {
                var state = (AdamW.State)states[stateIndex++];
                var gradient = parameter.grad;
                if (gradient is null)
                    continue;
                state.step += 1;
                parameter.mul_(decay);
                double correction1 = 1 - Math.Pow(beta1, state.step);
                double correction2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1Scalar).add_(gradient, alpha: gradientShare);
                state.exp_avg_sq.mul_(beta2Scalar).addcmul_(gradient, gradient, value: squareShare);
                var denominator = (state.exp_avg_sq.sqrt() / scalars.Of(Math.Sqrt(correction2))).add_(epsilon);
                parameter.addcdiv_(state.exp_avg, denominator, value: scalars.Of(-(rate / correction1)));
            }
        }
    }
}
