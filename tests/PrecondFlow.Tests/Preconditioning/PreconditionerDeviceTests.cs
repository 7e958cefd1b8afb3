using PrecondFlow.Data;
using PrecondFlow.Preconditioning;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Preconditioning;

/// <summary>
/// Learned preconditioners train and run on the device of the data they are given: their weights follow the data and
/// their outputs stay there, with no hidden copy to the CPU. Checked on every device this machine has (on a CPU-only
/// machine that is the CPU alone, where the property holds trivially).
/// </summary>
public class PreconditionerDeviceTests
{
    public static TheoryData<string> Devices
    {
        get
        {
            var devices = new TheoryData<string> { "cpu" };
            if (cuda.is_available())
                devices.Add("cuda");
            return devices;
        }
    }

    private static PointCloud DataOn(Device device)
    {
        var data = PreconditionerCases.LabelledGaussians(600, 2, seed: 9);
        return data with { Points = data.Points.to(float32).to(device), Labels = data.Labels!.to(device) };
    }

    [Theory, MemberData(nameof(Devices))]
    public void RealNvpTrainsAndRunsWhereItsDataAre(string name)
    {
        var device = torch.device(name);
        var data = DataOn(device);
        using var p = new RealNvp(2, PreconditionerCases.QuickRealNvp with { Steps = 10 }, PreconditionerCases.NumClasses);
        Assert.True(p.Fit(data, seed: 1).Passed);
        Assert.All(p.NamedParameters, n => Assert.Equal(device.type, n.Parameter.device.type));
        using var scope = NewDisposeScope();
        var (z, logDet) = p.Forward(data.Points, data.Labels);
        Assert.Equal(device.type, z.device.type);
        Assert.Equal(device.type, logDet.device.type);
        Assert.Equal(device.type, p.Inverse(z, data.Labels).device.type);
        Assert.Equal(device.type, p.Forward(data.Points.to(float64), data.Labels).Z.device.type);   // the float64 copy too
    }

    [Theory, MemberData(nameof(Devices))]
    public void TheFlowPreconditionerTrainsAndRunsWhereItsDataAre(string name)
    {
        var device = torch.device(name);
        var data = DataOn(device) with { Labels = null, NumClasses = 0 };
        using var p = new FlowPreconditioner(2, new FlowPreconditionerOptions(Steps: 10, Solver: "rk4", SolverSteps: 4));
        // Where the weights are while training (the check after training moves them to the data's device anyway).
        var duringTraining = new List<DeviceType>();
        Assert.True(p.Fit(data, seed: 1, new Recorder(_ => duringTraining.Add(p.ParameterDevice.type))).Passed);
        Assert.NotEmpty(duringTraining);
        Assert.All(duringTraining, d => Assert.Equal(device.type, d));
        Assert.Equal(device.type, p.ParameterDevice.type);
        using var scope = NewDisposeScope();
        var (z, logDet) = p.Forward(data.Points);
        Assert.Equal(device.type, z.device.type);
        Assert.Equal(device.type, logDet.device.type);
        Assert.Equal(device.type, p.Inverse(z).device.type);
    }

    /// <summary>Calls back synchronously, on the training thread (Progress&lt;T&gt; would post to a context).</summary>
    private sealed class Recorder(Action<PreconditionerProgress> report) : IProgress<PreconditionerProgress>
    {
        public void Report(PreconditionerProgress value) => report(value);
    }
}
