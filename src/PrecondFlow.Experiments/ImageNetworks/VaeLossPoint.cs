namespace PrecondFlow.Images;

/// <summary>Mean VAE loss terms over one logging window, ending at <paramref name="Step"/>.</summary>
/// <param name="Total">Mse + PerceptualWeight · Perceptual + KlWeight · Kl.</param>
/// <param name="Mse">Per-pixel squared error of the sampled reconstruction.</param>
/// <param name="Perceptual">Per-feature squared error under the frozen classifier (0 without one).</param>
/// <param name="Kl">KL(q(z|x) ‖ N(0, I)), summed over latent dimensions, averaged over the batch (unweighted).</param>
public sealed record VaeLossPoint(int Step, double Total, double Mse, double Perceptual, double Kl);
