namespace PrecondFlow.Preconditioning;

/// <summary>Progress of an iterative preconditioner fit, reported whenever the loss is read back.</summary>
/// <param name="Name">The preconditioner's kind, e.g. "realnvp".</param>
/// <param name="Step">Optimiser steps done so far (1-based).</param>
/// <param name="TotalSteps">Optimiser steps planned.</param>
/// <param name="Loss">Training loss at <paramref name="Step"/> (for RealNVP: negative log-likelihood, nats per sample).</param>
/// <param name="Seconds">Wall-clock seconds since the fit started.</param>
public sealed record PreconditionerProgress(string Name, long Step, long TotalSteps, double Loss, double Seconds);
