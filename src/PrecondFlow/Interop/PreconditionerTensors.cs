using PrecondFlow.Preconditioning;
using static TorchSharp.torch;

namespace PrecondFlow.Interop;

/// <summary>Every tensor that defines a fitted preconditioner, by name: a chain's members under <c>member-i.</c>, as in
/// its saved folder. The tensors are the map's own (not copies): use them before the map is disposed.</summary>
internal static class PreconditionerTensors
{
    public static IReadOnlyList<(string Name, Tensor Value)> Of(IPreconditioner preconditioner) => preconditioner switch
    {
        IdentityPreconditioner => [],
        AffineWhitening whitening => whitening.StateTensors(),
        ClassConditionalWhitening whitening => whitening.StateTensors(),
        RealNvp realNvp => realNvp.StateTensors(),
        FlowPreconditioner flow => flow.StateTensors(),
        ChannelStandardization standardization => standardization.StateTensors(),
        PreconditionerChain chain => chain.Members
            .SelectMany((member, i) => Of(member).Select(t => ($"member-{i}.{t.Name}", t.Value)))
            .ToArray(),
        _ => throw new ArgumentException($"The {preconditioner.Name} preconditioner cannot be exported: its tensors are unknown."),
    };
}
