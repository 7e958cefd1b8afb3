namespace PrecondFlow.Preconditioning;

/// <summary>One read-back of a training loss.</summary>
/// <param name="Step">Optimiser steps done when the loss was read (1-based).</param>
/// <param name="Loss">The loss of that step's batch.</param>
public sealed record LossPoint(long Step, double Loss);
