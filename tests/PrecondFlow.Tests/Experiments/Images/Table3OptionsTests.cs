using PrecondFlow.Experiments.Images;
using PrecondFlow.Images;

namespace PrecondFlow.Tests.Experiments.Images;

public class Table3OptionsTests
{
    public static TheoryData<string, ImageBudget, string> EveryBudget
    {
        get
        {
            var data = new TheoryData<string, ImageBudget, string>();
            foreach (var dataset in new[] { "mnist", "fashion-mnist" })
                foreach (var budget in Enum.GetValues<ImageBudget>())
                    foreach (var space in Table3Options.Spaces)
                        data.Add(dataset, budget, space);
            return data;
        }
    }

    [Theory, MemberData(nameof(EveryBudget))]
    public void EveryBudgetIsValidAndGivesThePreconditionerAtMostAThirdOfTheMainFlowsSteps(string dataset, ImageBudget budget, string space)
    {
        var options = Table3Options.For(dataset, budget, space);
        options.Validate();
        Assert.Equal([4, 8, 8], options.Vae.LatentShape!);
        long images = options.TrainLimit ?? 60_000;
        int main = options.Flow.Training(images, 0).Steps;
        int preconditioner = options.Flow.Preconditioner([4, 8, 8], 10, images).Steps;
        Assert.True(3 * preconditioner <= main + 3, $"{preconditioner} preconditioner steps against {main} main-flow steps");
    }

    [Fact]
    public void APreconditionerBudgetAboveAThirdIsRefused()
    {
        var options = Table3Options.For("mnist", ImageBudget.Quick);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            (options with { Flow = options.Flow with { PreconditionerFraction = 0.5 } }).Validate());
        Assert.Contains("at most a third", error.Message);
    }

    [Fact]
    public void AFlatVaeIsRefusedBecauseTheUNetNeedsASpatialLatent()
    {
        var options = Table3Options.For("mnist", ImageBudget.Quick);
        var error = Assert.Throws<ArgumentException>(() => (options with { Vae = options.Vae with { LatentChannels = 0 } }).Validate());
        Assert.Contains("spatial latent", error.Message);
    }

    [Fact]
    public void AnUnknownSpaceIsRefusedWithTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => Table3Options.For("mnist", ImageBudget.Quick, "voxels"));
        Assert.Contains("latent or pixels", error.Message);
    }
}
