// Request/response over a Web Worker: call(type, payload) resolves with the worker's answer.
export class WorkerClient {
  constructor(worker, { onEvent } = {}) {
    this.worker = worker;
    this.next = 1;
    this.pending = new Map();
    this.ready = new Promise((resolve, reject) => {
      this.worker.addEventListener("error", (event) => {
        const error = new Error(event.message || "the worker failed to start");
        reject(error);
        for (const { reject: fail } of this.pending.values()) fail(error);
        this.pending.clear();
      });
      this.worker.addEventListener("message", (event) => {
        const data = event.data;
        if (data?.type === "ready") return resolve();
        const waiting = data?.id !== undefined ? this.pending.get(data.id) : undefined;
        if (!waiting) {
          onEvent?.(data);
          return;
        }
        if (data.final === false) {
          waiting.onProgress?.(data);
          return;
        }
        this.pending.delete(data.id);
        if (data.ok) waiting.resolve(data);
        else waiting.reject(Object.assign(new Error(data.error), { diagnostics: data.diagnostics }));
      });
    });
  }

  call(type, payload = {}, onProgress) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      // A module worker sees messages only once its imports (the WebAssembly) have loaded: a
      // message posted earlier could be dispatched before its listener exists, so wait for "ready".
      this.ready.then(() => this.worker.postMessage({ id, type, ...payload }), reject);
    });
  }
}
