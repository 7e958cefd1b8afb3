using System.CommandLine;
using PrecondFlow.Cli.Console;
using PrecondFlow.Sampling;
using PrecondFlow.Solvers;

namespace PrecondFlow.Cli.Arguments;

/// <summary>How samples are drawn.</summary>
internal sealed class SamplingArguments
{
    public Option<string> Solver { get; } = new Option<string>("--solver")
    {
        Description = "ODE solver: euler, midpoint, heun, rk4 (fixed steps) or dopri5 (adaptive Dormand–Prince 5(4)).",
        DefaultValueFactory = _ => "dopri5",
    }.AcceptOnlyFromAmong(OdeSolvers.Names.ToArray());

    public Option<int> OdeSteps { get; } = CommonOptions.Positive("--ode-steps", "Steps of a fixed-step solver or of the SDE sampler.", 100);

    public Option<double> RelativeTolerance { get; } = CommonOptions.PositiveReal("--rtol", "Relative tolerance of dopri5.", 1e-5);

    public Option<double> AbsoluteTolerance { get; } = CommonOptions.PositiveReal("--atol", "Absolute tolerance of dopri5.", 1e-5);

    public Option<string> Method { get; } = new Option<string>("--method")
    {
        Description = "ode (probability flow) or sde (reverse diffusion with Euler–Maruyama; score-matching models only).",
        DefaultValueFactory = _ => "ode",
    }.AcceptOnlyFromAmong("ode", "sde");

    public Option<double> Guidance { get; } = new("--guidance")
    {
        Description = "Classifier-free guidance scale for conditional models (1 = plain conditional; needs --label-dropout in training for other values).",
        DefaultValueFactory = _ => 1.0,
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Solver, OdeSteps, RelativeTolerance, AbsoluteTolerance, Method, Guidance })
            command.Options.Add(option);
    }

    public SamplingOptions Read(ParseResult parse, bool keepTrajectory = false)
    {
        var options = new SamplingOptions(
            Method: parse.GetValue(Method) == "sde" ? SamplingMethod.Sde : SamplingMethod.Ode,
            Solver: parse.GetValue(Solver)!,
            Steps: parse.GetValue(OdeSteps),
            Adaptive: new AdaptiveOptions(RelativeTolerance: parse.GetValue(RelativeTolerance), AbsoluteTolerance: parse.GetValue(AbsoluteTolerance)),
            Guidance: parse.GetValue(Guidance),
            KeepTrajectory: keepTrajectory);
        options.Validate();
        return options;
    }
}
