using PrecondFlow.Bench;

return BenchCommand.Create().Parse(args).Invoke();
