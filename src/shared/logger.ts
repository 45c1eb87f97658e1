import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs in production; pretty, prefixed by component, in the embedded default. */
export function createLogger(opts: { level: string; pretty: boolean; name?: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    redact: {
      paths: [
        'payoutAccount',
        '*.payoutAccount',
        'req.headers.authorization',
        'headers.authorization',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    transport: opts.pretty
      ? {
          target: 'pino-pretty',
          options: {
            colorize: true,
            translateTime: 'HH:MM:ss.l',
            ignore: 'pid,hostname,name',
            messageFormat: '{if component}[{component}] {end}{msg}',
          },
        }
      : undefined,
  });
}
