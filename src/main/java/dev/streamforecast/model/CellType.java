package dev.streamforecast.model;

/** The recurrent cell of every layer, with the number of gate blocks its weight matrix stacks. */
public enum CellType {
    /** Long short-term memory: input, forget, candidate and output blocks; carries h and c. */
    LSTM(4, true),
    /** Gated recurrent unit (Cho et al. 2014): reset, update and candidate blocks; carries h. */
    GRU(3, false),
    /** Elman network with tanh: one block; carries h. */
    RNN(1, false);

    /** Blocks of {@code hidden} rows stacked in the layer's weight matrix. */
    public final int gates;
    /** Whether the cell carries a memory cell {@code c} besides {@code h}. */
    public final boolean hasCell;

    CellType(int gates, boolean hasCell) {
        this.gates = gates;
        this.hasCell = hasCell;
    }
}
