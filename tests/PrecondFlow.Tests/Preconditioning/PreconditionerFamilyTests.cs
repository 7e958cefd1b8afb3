using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

/// <summary>Properties every preconditioner must have, checked over every member (as zuko's tests do).</summary>
public class PreconditionerFamilyTests
{
    public static TheoryData<string> AllKinds => PreconditionerCases.AllKinds;

    public static TheoryData<string, int> AllKindsIn2DAnd6D => PreconditionerCases.AllKindsIn2DAnd6D;

    [Theory, MemberData(nameof(AllKinds))]
    public void InverseUndoesForwardInFloat64(string kind)
    {
        using var p = PreconditionerCases.Fitted(kind);
        var sample = PreconditionerCases.LabelledGaussians(500, 3, seed: 7);
        using var scope = torch.NewDisposeScope();
        var (z, _) = p.Forward(sample.Points, sample.Labels);
        var back = p.Inverse(z, sample.Labels);
        var error = PreconditionerCases.RelativeError(back, sample.Points);
        Assert.True(error < PreconditionerCases.RoundTripTolerance(kind), $"{kind}: relative round-trip error {error:G3}");
        Assert.Equal(ScalarType.Float64, z.dtype);
        if (kind != "identity")   // the round trip must not be trivially passed by a map that does nothing
            Assert.True(PreconditionerCases.RelativeError(z, sample.Points) > 0.05, $"{kind} barely moves the points");
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void InverseUndoesForwardInFloat32(string kind)
    {
        using var p = PreconditionerCases.Fitted(kind);
        var sample = PreconditionerCases.LabelledGaussians(500, 3, seed: 7);
        using var scope = torch.NewDisposeScope();
        var x = sample.Points.to(ScalarType.Float32);
        var (z, logDet) = p.Forward(x, sample.Labels);
        var back = p.Inverse(z, sample.Labels);
        // float32 rounding (6e-8) amplified by a few layers and the data's conditioning stays far below 1e-4; the flow's
        // solver error bound is the larger one.
        var error = PreconditionerCases.RelativeError(back, x);
        Assert.True(error < Math.Max(1e-4, PreconditionerCases.RoundTripTolerance(kind)), $"{kind}: relative round-trip error {error:G3}");
        Assert.Equal(ScalarType.Float32, z.dtype);
        Assert.Equal(ScalarType.Float32, back.dtype);
        Assert.Equal(new long[] { 500 }, logDet.shape);
    }

    [Theory, MemberData(nameof(AllKindsIn2DAnd6D))]
    public void LogAbsDetEqualsTheLogDeterminantOfTheAutogradJacobian(string kind, int dim)
    {
        using var p = PreconditionerCases.Fitted(kind, dim);
        var sample = PreconditionerCases.LabelledGaussians(4, dim, seed: 11);
        using var scope = torch.NewDisposeScope();
        for (var i = 0; i < 4; i++)
        {
            var x = sample.Points.narrow(0, i, 1).detach().requires_grad_();
            var label = sample.Labels!.narrow(0, i, 1);
            var (z, logDet) = p.Forward(x, label);
            var jacobian = kind == "flow"
                ? FiniteDifferenceJacobian(p, x.detach(), label)
                : torch.cat(Enumerable.Range(0, dim)
                    .Select(row => torch.autograd.grad([z[0, row]], [x], retain_graph: true)[0])
                    .ToArray());
            var (_, logAbsDet) = torch.linalg.slogdet(jacobian);
            // Both sides are float64 evaluations of the same exact quantity: 1e-5 is loose. The flow's log-det is the
            // divergence integrated along its own RK4 solution, the Jacobian that of the RK4 map itself: two
            // discretisations that agree to the solver's accuracy, so the flow gets its round-trip bound, 1e-3.
            Assert.Equal(logAbsDet.item<double>(), logDet[0].item<double>(), kind == "flow" ? FlowPreconditioner.RoundTripThreshold : 1e-5);
        }
    }

    /// <summary>
    /// ∂P(x)/∂x by central differences, [i, j] = ∂z_i/∂x_j as the autograd rows give it. The flow preconditioner solves
    /// its ODE on a detached copy, so autograd cannot see through it. A step of 1e-5 in float64: truncation error
    /// h²·|P‴|/6 ≈ 1e-10, rounding ≈ 1e-16·|z|/h ≈ 1e-10.
    /// </summary>
    private static Tensor FiniteDifferenceJacobian(IPreconditioner p, Tensor x, Tensor label)
    {
        const double h = 1e-5;
        var dim = (int)x.shape[1];
        var columns = new Tensor[dim];
        for (var j = 0; j < dim; j++)
        {
            var step = torch.zeros_like(x);
            step[0, j] = torch.tensor(h, dtype: x.dtype);
            var (up, _) = p.Forward(x + step, label);
            var (down, _) = p.Forward(x - step, label);
            columns[j] = ((up - down) / (2 * h))[0];
        }
        return torch.stack(columns, dim: 1);
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void SaveThenLoadGivesIdenticalOutputs(string kind)
    {
        using var folder = new TempFolder();
        using var p = PreconditionerCases.Fitted(kind);
        p.Save(folder.Path);
        using var loaded = Preconditioners.Load(folder.Path);
        Assert.Equal(p.GetType(), loaded.GetType());
        Assert.Equal(p.Describe().ToJsonString(), loaded.Describe().ToJsonString());
        var sample = PreconditionerCases.LabelledGaussians(200, 3, seed: 5);
        using var scope = torch.NewDisposeScope();
        foreach (var x in new[] { sample.Points, sample.Points.to(ScalarType.Float32) })
        {
            var (z, logDet) = p.Forward(x, sample.Labels);
            var (z2, logDet2) = loaded.Forward(x, sample.Labels);
            Assert.True(PreconditionerCases.Identical(z, z2), $"{kind}: forward differs after loading ({x.dtype})");
            Assert.True(PreconditionerCases.Identical(logDet, logDet2), $"{kind}: log-det differs after loading ({x.dtype})");
            Assert.True(PreconditionerCases.Identical(p.Inverse(z, sample.Labels), loaded.Inverse(z, sample.Labels)));
        }
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void SavedDescriptionStartsWithFormatVersionAndKind(string kind)
    {
        using var folder = new TempFolder();
        using var p = PreconditionerCases.Fitted(kind);
        p.Save(folder.Path);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(folder["preconditioner.json"]))!.AsObject();
        Assert.Equal(PrecondFlow.IO.FolderManifest.CurrentVersion, (int)json["format_version"]!);
        Assert.Equal(p.Name, (string)json["kind"]!);
        Assert.Equal(3, (int)json["settings"]!["dim"]!);
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void ConditionalMapsRefuseMissingLabels(string kind)
    {
        using var p = PreconditionerCases.Fitted(kind);
        var sample = PreconditionerCases.LabelledGaussians(10, 3, seed: 5);
        if (p.IsConditional)
        {
            var e = Assert.Throws<ArgumentException>(() => p.Forward(sample.Points));
            Assert.Contains("pass labels", e.Message);
            Assert.Throws<ArgumentException>(() => p.Inverse(sample.Points));
        }
        else
        {
            using var scope = torch.NewDisposeScope();
            var (withLabels, _) = p.Forward(sample.Points, sample.Labels);
            var (without, _) = p.Forward(sample.Points);
            Assert.True(PreconditionerCases.Identical(withLabels, without), "an unconditional map must ignore labels");
        }
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void NumClassesIsTheLabelCountOfConditionalMapsAndZeroOtherwise(string kind)
    {
        using var p = PreconditionerCases.Fitted(kind);
        Assert.Equal(p.IsConditional ? PreconditionerCases.NumClasses : 0, p.NumClasses);
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void ParameterCountCountsTheFittedNumbersAndSurvivesSaving(string kind)
    {
        const int d = 3, k = PreconditionerCases.NumClasses;
        using var p = PreconditionerCases.Fitted(kind, d);
        // Whitening: μ (d) and Σ^(−1/2) (d²), per class when conditional; learned maps: their network's weights.
        static long Network(IPreconditioner m) => m is RealNvp r
            ? r.NamedParameters.Sum(n => n.Parameter.numel())
            : throw new ArgumentException(m.Name);
        // The flow preconditioner's unconditional MLP with raw time: (d + 1) → widths → d, weights and biases.
        static long Mlp(int dim, int[] widths)
        {
            long count = 0;
            int inputs = dim + 1;
            foreach (var width in widths.Append(dim))
            {
                count += (long)inputs * width + width;
                inputs = width;
            }
            return count;
        }
        long expected = p switch
        {
            IdentityPreconditioner => 0,
            AffineWhitening => d + d * d,
            ClassConditionalWhitening => k * (d + d * d),
            RealNvp => Network(p),
            FlowPreconditioner f => Mlp(d, f.Options.HiddenWidths),
            ChannelStandardization => 2 * d,
            PreconditionerChain c => k * (d + d * d) + Network(c.Members[1]),
            _ => throw new ArgumentException(kind),
        };
        Assert.Equal(expected, p.ParameterCount);
        if (kind != "identity")
            Assert.True(p.ParameterCount > 0);
        using var folder = new TempFolder();
        p.Save(folder.Path);
        using var loaded = Preconditioners.Load(folder.Path);
        Assert.Equal(p.ParameterCount, loaded.ParameterCount);
        Assert.Equal(p.NumClasses, loaded.NumClasses);
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void MappingInADisposeScopeLeavesNoTensorsBehind(string kind)
    {
        using var p = PreconditionerCases.Fitted(kind);
        var sample = PreconditionerCases.LabelledGaussians(100, 3, seed: 6);
        void RoundTrip()
        {
            using var scope = torch.NewDisposeScope();
            var (z, _) = p.Forward(sample.Points, sample.Labels);
            p.Inverse(z, sample.Labels);
        }
        RoundTrip();   // a float64 RealNVP makes its float64 copy of the weights on first use
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
            RoundTrip();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Theory, MemberData(nameof(AllKinds))]
    public void PointsOfTheWrongDimensionAreRejected(string kind)
    {
        using var p = PreconditionerCases.Fitted(kind);
        using var x = torch.zeros(4, 5, dtype: ScalarType.Float64);
        using var labels = torch.zeros(4, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => p.Forward(x, labels));
        Assert.Contains("(n, 3)", e.Message);
        Assert.Contains("[4, 5]", e.Message);
    }
}
