using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PrecondFlow.Training;

/// <summary>
/// Writes one member of an <see cref="EnsembleTrainer"/> as the ordinary <see cref="Checkpoint"/> folder that a
/// <see cref="FlowTrainer"/> training it alone would have written: its weights, its EMA when the ensemble keeps one, its
/// AdamW moments and step count, its generator's state, the step and its loss trace. The folder loads, samples (with
/// labels and guidance when the member is conditional) and resumes like any other.
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
            // AdamW keeps its state in the order of the single field's parameters; find each one's stacked moments by name.
            var states = single.Optimizer.state_dict().State;
            var names = field.named_parameters().Select(p => p.name).ToArray();
            var stackedNames = ensemble.Field.MemberParameterNames.ToList();
            for (int j = 0; j < names.Length; j++)
            {
                int i = stackedNames.IndexOf(names[j]);
                if (i < 0)
                    throw new InvalidOperationException($"The ensemble stacks no parameter '{names[j]}' of its members' MLP.");
                var state = (AdamW.State)states[j];
                state.step = ensemble.Optimizer.Steps;
                state.exp_avg.copy_(ensemble.Field.AsMemberParameter(i, ensemble.Optimizer.FirstMoment(i)[k]));
                state.exp_avg_sq.copy_(ensemble.Field.AsMemberParameter(i, ensemble.Optimizer.SecondMoment(i)[k]));
            }
            single.Generator.set_state(ensemble.GeneratorOf(k).get_state());
        }
        if (ensemble.Ema is not null)
        {
            using var average = ensemble.Ema.Average.Member(k);
            single.Ema!.CopyFrom(average);
        }
        single.Restore(ensemble.Step, ensemble.Seconds, ensemble.LossTrace(k));
        Checkpoint.Save(folder, single);
    }
}
