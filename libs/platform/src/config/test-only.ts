import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A setting that exists for tests (fault injection and the like): refused
 * when NODE_ENV is production, so the app does not start with it there.
 * Combine with `@ValidateIf` to check it only when it is set.
 */
export function TestOnly(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'testOnly',
      validator: {
        validate: (_value, args) => (args?.object as { NODE_ENV?: string }).NODE_ENV !== 'production',
        defaultMessage: (args) =>
          `${args?.property ?? 'this setting'} is a test-only setting, refused when NODE_ENV is production`,
      },
    },
    options,
  );
}
