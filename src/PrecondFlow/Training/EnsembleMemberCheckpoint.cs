using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// Writes one member of an <see cref="EnsembleTrainer"/> as the ordinary <see cref="Checkpoint"/> folder that a
/// <see cref="FlowTrainer"/> training it alone would have written: its weights, its AdamW moments and step count, its
/// generator's state, the step and its loss trace. The folder loads, samples and resumes like any other.
/// </summary>
internal static class EnsembleMemberCheckpoint
{
    public static void Save(EnsembleTrainer ensemble, int k, string folder)
    {
        if (k < 0 || k >= ensemble.Members)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"The ensemble has members 0 to {ensemble.Members - 1}.");
        if (ensemble.DivergedAtStep[k] is { } step)
            throw new InvalidOperationException(
                $"Member {k} diverged at step {step}: its frozen weights cannot continue as an ordinary run, so it is not saved.");
        using var field = ensemble.Field.Member(k);
        using var single = new FlowTrainer(field, ensemble.Spec, ensemble.MemberOptions[k]);
        using (NewDisposeScope())
        using (no_grad())
        {
            var states = single.Optimizer.state_dict().State;
            var stacked = ensemble.Field.StackedParameters;
            for (int i = 0; i < stacked.Count; i++)
            {
                var state = (AdamW.State)states[i];
                state.step = ensemble.Optimizer.Steps;
                state.exp_avg.copy_(AsMemberParameter(ensemble.Optimizer.FirstMoment(i)[k], isWeight: i % 2 == 0));
                state.exp_avg_sq.copy_(AsMemberParameter(ensemble.Optimizer.SecondMoment(i)[k], isWeight: i % 2 == 0));
            }
            single.Generator.set_state(ensemble.GeneratorOf(k).get_state());
        }
        single.Restore(ensemble.Step, ensemble.Seconds, ensemble.LossTrace(k));
        Checkpoint.Save(folder, single);
    }

    /// <summary>A stacked weight's slice (in, out) as Linear's (out, in); a bias's (1, out) as (out).</summary>
    private static Tensor AsMemberParameter(Tensor slice, bool isWeight) => isWeight ? slice.t() : slice.squeeze(0);
}
