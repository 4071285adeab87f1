namespace MedicalAid.Api.StaffConsole;

/// <summary>
/// Runs one feature-service call in a service scope of its own. A console circuit lives for minutes and its
/// components load data concurrently; a database context may serve only one operation at a time, so each call gets a
/// fresh one, exactly as each API request does.
/// </summary>
public sealed class ConsoleData(IServiceScopeFactory scopes)
{
    public async Task<T> RunAsync<TService, T>(Func<TService, Task<T>> call)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(call);
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
