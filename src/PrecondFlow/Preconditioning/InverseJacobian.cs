using static TorchSharp.torch;

namespace PrecondFlow.Preconditioning;

/// <summary>
/// How much P⁻¹ stretches space near given points: the spectral norm ‖∂P⁻¹/∂z‖₂ (largest singular value of the Jacobian),
/// computed exactly by automatic differentiation, one backward pass per output coordinate. A maximum-likelihood flow that
/// squeezes the empty space between a data set's arms into thin slits of z-space has large norms there: errors of a main
/// flow that land in a slit are stretched into bridges between arms.
/// </summary>
public static class InverseJacobian
{
    /// <summary>‖∂P⁻¹/∂z‖₂ at every point.</summary>
    /// <param name="preconditioner">A fitted, unconditional P.</param>
    /// <param name="z">(n, d) points of P's output space.</param>
    /// <returns>(n) float64 spectral norms, on the CPU.</returns>
    public static Tensor SpectralNorms(IPreconditioner preconditioner, Tensor z)
    {
        ArgumentNullException.ThrowIfNull(preconditioner);
        if (z.dim() != 2)
            throw new ArgumentException($"Points must be (n, d); got ({string.Join(", ", z.shape)}).", nameof(z));
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var input = z.detach().clone().requires_grad_(true);
        var x = preconditioner.Inverse(input);
        long d = x.shape[1];
        // Rows of the Jacobian: the gradient of output coordinate i summed over points (points do not interact).
        var rows = new Tensor[d];
        using var convolutions = Devices.CpuConvolutions.WithoutOneDnn();   // back-propagation off oneDNN (see CpuConvolutions)
        for (long i = 0; i < d; i++)
            rows[i] = autograd.grad([x[.., i].sum()], [input], retain_graph: i < d - 1)[0];
        var jacobian = stack(rows, 1).to(ScalarType.Float64);   // (n, d_out, d_in)
        return linalg.matrix_norm(jacobian, ord: 2).cpu().MoveToOuterDisposeScope();
    }
}
