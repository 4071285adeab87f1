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
    public async Task OpenLoop_WhenStopped_EndsBeforeItsScheduleAndWaitsForWhatItSent()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var finished = 0;
        var run = OpenLoop.RunAsync(
            perSecond: 1, maxInFlight: 4, warmup: TimeSpan.Zero, duration: TimeSpan.FromHours(1),
            async (_, _) =>
            {
                stop.Cancel();
                await Task.Yield();
                Interlocked.Increment(ref finished);
                return null;
            },
            stop.Token);

        var result = await run;

        Assert.Equal(1, finished);
        Assert.Equal(1, result.Completed + result.Failed);
    }
}
