// Test-only (not exported from index): Emmett-style decider specifications.
//   given([...events]).when(command).then([...expectedEvents])
//   given([...events]).when(command).thenThrows(InsufficientFunds)
import { expect } from '@jest/globals';
import { accountDecider } from '../account/account.decide.js';

export type Decider<State, Command, Event> = {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor signature
type ErrorClass = abstract new (...args: any[]) => Error;

export function deciderSpecification<State, Command, Event>(decider: Decider<State, Command, Event>) {
  return {
    given(events: readonly Event[] = []) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: Command) {
          return {
            /** Asserts the produced events and returns the state after applying them. */
            then(expected: readonly Event[]): State {
              const produced = decider.decide(command, state);
              expect(produced).toStrictEqual(expected);
              return produced.reduce(decider.evolve, state);
            },
            /** Asserts the command is refused with this error class (and code, if given). */
            thenThrows(errorClass: ErrorClass, code?: string): Error {
              let thrown: unknown;
              try {
                decider.decide(command, state);
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorClass);
              if (code !== undefined) expect(thrown).toHaveProperty('code', code);
              return thrown as Error;
            },
          };
        },
      };
    },
  };
}

export const { given } = deciderSpecification(accountDecider);
