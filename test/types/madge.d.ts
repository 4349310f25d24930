// madge ships no types: the part of its API the architecture test uses.
declare module 'madge' {
  interface MadgeResult {
    /** Module → the modules it imports, paths relative to the base directory. */
    obj(): Record<string, string[]>;
    circular(): string[][];
    warnings(): { skipped: string[] };
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, unknown>;
  }
  export default function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
}
