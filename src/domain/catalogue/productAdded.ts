// A product added to a storefront should get its details within seconds. The domain does not know BullMQ: it calls
// productAdded(), and the runtime (src/runtime.ts) listens and queues a catalogue-fill job per product, whose job id
// makes repeated adds collapse into one fetch. A process that does not listen (a bare script) loses nothing: the
// scheduled refresh picks the product up anyway.
export interface AddedProduct {
  productId: number;
  asin: string;
  marketplace: string;
}

type Listener = (product: AddedProduct) => void;
const listeners = new Set<Listener>();

/** Listens for products added to storefronts; returns the function that stops listening. */
export function onProductAdded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners, after the change is committed. A listener's failure never fails the add. */
export function productAdded(product: AddedProduct): void {
  for (const l of listeners) {
    try {
      l(product);
    } catch {
      // The refresh catches up with anything a listener could not queue.
    }
  }
}
