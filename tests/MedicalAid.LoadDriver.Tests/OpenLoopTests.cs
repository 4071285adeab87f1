namespace MedicalAid.LoadDriver.Tests;

/// <summary>The open loop sends on its schedule whatever the answers do, and counts what it scheduled in the window.</summary>
public sealed class OpenLoopTests
{
    [Fact]
    public async Task OpenLoop_AtAFixedRate_SendsEveryScheduledRequestOfTheWindowOnce_EvenWhenAnswersAreSlow()
    {
        var sent = 0;
        var result = await OpenLoop.RunAsync(
            perSecond: 200, maxInFlight: 64, warmup: TimeSpan.FromMilliseconds(100), duration: TimeSpan.FromMilliseconds(500),
            async (_, cancellationToken) =>
            {
                Interlocked.Increment(ref sent);
                await Task.Delay(TimeSpan.FromMilliseconds(30), cancellationToken);
                return null;
            },
            TestContext.Current.CancellationToken);

        // 200/s: 20 requests in the 100 ms warm-up and 100 in the 500 ms window, whose answers alone are counted.
        Assert.Equal(120, sent);
        Assert.Equal(100, result.Completed);
        Assert.Equal(0, result.Failed);
        Assert.True(result.Latency.P50 >= 30, $"Each latency includes the 30 ms answer: p50 {result.Latency.P50} ms.");
    }

    [Fact]
    public async Task OpenLoop_WhenTheConnectionsAreBusy_SendsLateAndCountsTheWaitFromTheSchedule()
    {
        var result = await OpenLoop.RunAsync(
            perSecond: 100, maxInFlight: 1, warmup: TimeSpan.Zero, duration: TimeSpan.FromMilliseconds(200),
            async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(30), cancellationToken);
                return null;
            },
            TestContext.Current.CancellationToken);

        // 20 requests due 10 ms apart through one connection at 30 ms each: the last is sent about 400 ms after its time.
        Assert.Equal(20, result.Completed);
        Assert.True(result.Latency.Max >= 300, $"The last request's latency counts its wait for the connection: max {result.Latency.Max} ms.");
    }

    [Fact]
    public async Task OpenLoop_WhenStopped_EndsBeforeItsScheduleAndWaitsForWhatItSent()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var finished = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await OpenLoop.RunAsync(
            perSecond: 0.01, maxInFlight: 4, warmup: TimeSpan.Zero, duration: TimeSpan.FromHours(1),
            async (_, _) =>
            {
                stop.Cancel();
                await Task.Delay(TimeSpan.FromMilliseconds(300), CancellationToken.None);
                Interlocked.Increment(ref finished);
                return null;
            },
            stop.Token);

        // The next request was due 100 s after the first: a sleep that ignored the stop would still be sleeping.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"The run ended {started.Elapsed} after it started.");
        Assert.Equal(1, finished);
        Assert.Equal(1, result.Completed + result.Failed);
    }
}
