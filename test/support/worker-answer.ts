import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker thread's first message (then the thread is ended), or its error. */
export function firstAnswer<T>(code: string | URL, options: WorkerOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, options);
    worker.once('message', (answer: T) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
