using static TorchSharp.torch;

namespace PrecondFlow.Paths;

/// <summary>One minibatch drawn along a probability path.</summary>
/// <param name="X0">(batch, dim) base sample (noise).</param>
/// <param name="X1">(batch, dim) data sample.</param>
/// <param name="T">(batch, 1) times.</param>
/// <param name="Xt">(batch, dim) point on the path at time T.</param>
/// <param name="Velocity">(batch, dim) conditional velocity d x_t / dt = α̇·x₁ + σ̇·x₀.</param>
public sealed record PathSample(Tensor X0, Tensor X1, Tensor T, Tensor Xt, Tensor Velocity);
