using static TorchSharp.torch;

namespace PrecondFlow.Solvers;

/// <summary>The right-hand side dx/dt = f(x, t) of an ODE on (batch, dim) states.</summary>
/// <param name="x">(batch, dim) state.</param>
/// <param name="t">time.</param>
/// <returns>(batch, dim) derivative.</returns>
public delegate Tensor Dynamics(Tensor x, double t);
