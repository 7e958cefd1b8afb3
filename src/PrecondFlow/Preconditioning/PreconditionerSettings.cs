namespace PrecondFlow.Preconditioning;

/// <summary>The options of every preconditioner kind, for building one from its name (see <see cref="PreconditionerFactory"/>).</summary>
/// <param name="Shrinkage">Covariance shrinkage γ of whiten and class-whiten.</param>
/// <param name="ClassFallback">class-whiten: blend small or singular classes with the pooled covariance instead of failing.</param>
/// <param name="RealNvp">RealNVP options (paper defaults when null).</param>
/// <param name="Flow">Flow-preconditioner options (the ~168-parameter 2D default when null).</param>
/// <param name="Conditional">Build label-conditional RealNVP and flow preconditioners when the data have labels.</param>
/// <param name="Channels">standardize: channels C of (C, H, W) image points, one mean and scale each; 0 standardizes every
/// coordinate on its own.</param>
public sealed record PreconditionerSettings(
    double Shrinkage = 0,
    bool ClassFallback = false,
    RealNvpOptions? RealNvp = null,
    FlowPreconditionerOptions? Flow = null,
    bool Conditional = true,
    int Channels = 0);
