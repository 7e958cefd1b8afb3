namespace PrecondFlow.Training;

/// <summary>What the network is trained to predict.</summary>
public enum Objective
{
    /// <summary>Flow matching: the network predicts the velocity u = α̇x₁ + σ̇x₀.</summary>
    FlowMatching,
    /// <summary>Denoising score matching in noise-prediction form: the network predicts ε = x₀; the score is −ε̂/σ_t.</summary>
    ScoreMatching,
}
