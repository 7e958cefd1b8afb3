namespace PrecondFlow.Experiments.Studies;

/// <summary>What kind of arm a study ran.</summary>
public enum ArmKind
{
    /// <summary>No preconditioner: the baseline.</summary>
    Baseline,

    /// <summary>A preconditioner P before the main flow.</summary>
    Preconditioned,

    /// <summary>No preconditioner, trained for extra steps equal to a preconditioner's cost.</summary>
    MoreSteps,

    /// <summary>No preconditioner, a wider main flow with as many parameters as a preconditioner plus the main flow.</summary>
    Wider,
}
