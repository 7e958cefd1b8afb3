using PrecondFlow.Data;
using PrecondFlow.Fields;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Training;

/// <summary>
/// SPEC §3: for a centred Gaussian target N(0, Σ) and the linear path, the least-squares optimum of flow matching
/// over linear fields is A_t = C_t Σ_t⁻¹ with Σ_t = (1−t)²I + t²Σ and C_t = tΣ − (1−t)I (eq. 9, 11), and that of
/// noise-prediction score matching is σ_t Σ_t⁻¹ (so the score is −Σ_t⁻¹x, eq. 10). Training the linear field must
/// recover them.
/// </summary>
public class GaussianClosedFormTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly double[] CheckTimes = { 0.25, 0.5, 0.75 };

    // κ(Σ) = 10: eigenvalues 1 and 0.1, rotated by 30°.
    private static Tensor Covariance()
    {
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        var q = tensor(new[,] { { c, -s }, { s, c } }, dtype: float64);
        return q.matmul(diag(tensor(new[] { 1.0, 0.1 }, dtype: float64))).matmul(q.T);
    }

    private static PointCloud GaussianData(Tensor sigma, long n, long seed)
    {
        using var g = new Generator((ulong)seed);
        var l = linalg.cholesky(sigma);
        return new PointCloud(randn(new[] { n, 2L }, dtype: float64, generator: g).matmul(l.T).to(float32));
    }

    private static LinearVectorField TrainLinear(Objective objective, PointCloud data)
    {
        manual_seed(1);
        var config = new FieldConfig(Kind: "linear", Dim: 2, TimeKnots: 21);
        var field = new LinearVectorField(config);
        // Enough steps and batch for the knot matrices to settle; the cosine decay averages out SGD noise.
        var options = new TrainingOptions(Steps: 1500, BatchSize: 4096, LearningRate: 0.05, GradientClip: null, Seed: 3);
        using var trainer = new FlowTrainer(field, new ModelSpec(config, "linear", objective), options);
        trainer.Train(data);
        return field;
    }

    private static double RelativeError(Tensor estimate, Tensor exact) =>
        (estimate - exact).norm().item<double>() / exact.norm().item<double>();

    [Fact]
    public void FlowMatchingOnALinearFieldRecoversTheExactGaussianVelocity()
    {
        var sigma = Covariance();
        var field = TrainLinear(Objective.FlowMatching, GaussianData(sigma, 200_000, seed: 7));
        var identity = eye(2, dtype: float64);
        foreach (var t in CheckTimes)
        {
            var sigmaT = (1 - t) * (1 - t) * identity + t * t * sigma;
            var cT = t * sigma - (1 - t) * identity;
            var exact = cT.matmul(linalg.inv(sigmaT));
            var learned = field.MatrixAt(tensor(new[] { t }).reshape(1, 1))[0].to(float64).detach();
            output.WriteLine($"flow matching, t = {t}: ‖W − A_t‖/‖A_t‖ = {RelativeError(learned, exact):E2}");
            // 5% (the bound): SGD noise and 200k finite samples leave errors of about 1%.
            Assert.True(RelativeError(learned, exact) < 0.05,
                $"t = {t}: ‖W − A_t‖/‖A_t‖ = {RelativeError(learned, exact):F4}\nlearned {learned.ToString(TorchSharp.TensorStringStyle.Julia)}\nexact {exact.ToString(TorchSharp.TensorStringStyle.Julia)}");
        }
    }

    [Fact]
    public void ScoreMatchingOnALinearFieldRecoversTheExactGaussianScore()
    {
        var sigma = Covariance();
        var field = TrainLinear(Objective.ScoreMatching, GaussianData(sigma, 200_000, seed: 8));
        var identity = eye(2, dtype: float64);
        foreach (var t in CheckTimes)
        {
            var sigmaT = (1 - t) * (1 - t) * identity + t * t * sigma;
            var exactScore = -linalg.inv(sigmaT);
            // ε̂ = W x and s = −ε̂/σ_t, so the score matrix is −W/σ_t with σ_t = 1 − t on the linear path.
            var learned = -field.MatrixAt(tensor(new[] { t }).reshape(1, 1))[0].to(float64).detach() / (1 - t);
            output.WriteLine($"score matching, t = {t}: relative error of −Σ_t⁻¹ = {RelativeError(learned, exactScore):E2}");
            Assert.True(RelativeError(learned, exactScore) < 0.05,
                $"t = {t}: relative error of the score matrix {RelativeError(learned, exactScore):F4}");
        }
    }
}
