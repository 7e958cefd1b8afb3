return PrecondFlow.Cli.PrecondFlowCommand.Run(args);
