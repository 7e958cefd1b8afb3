namespace PrecondFlow.Images;

/// <summary>A trained VAE (in evaluation mode), its loss trace and the training time.</summary>
public sealed record VaeTrainingResult(ConvVae Vae, IReadOnlyList<VaeLossPoint> LossTrace, double Seconds);
